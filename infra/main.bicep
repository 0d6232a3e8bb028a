// Kraftd Docs on Azure: Container Apps (web, one worker app per queue, beat), Cosmos DB, Blob Storage,
// Azure Cache for Redis, Key Vault, Log Analytics + Application Insights, user-assigned managed identities.
//
//   az deployment group create -g RG -f infra/main.bicep -p infra/main.parameters.json
//
// Secrets never appear here: the apps read them from Key Vault references (secretRef → keyVaultUrl), with
// their own managed identity. REDIS_URL and the Redis password are written to Key Vault by this template from
// the cache's keys; the others (jwt-secret-key, recaptcha-secret-key, openai-api-key, sendgrid-api-key,
// sentry-dsn) are put there once by an operator (infra/README.md). Not compiled here: see infra/README.md.

targetScope = 'resourceGroup'

@description('Short name used in every resource name.')
@minLength(3)
@maxLength(12)
param name string = 'kraftd'

@description('Primary region.')
param location string = resourceGroup().location

@description('Second Cosmos DB region, for geo-replication (read region, automatic failover).')
param secondaryLocation string = 'northeurope'

@description('Container images (registry/name:tag).')
param webImage string
param workerImage string

@description('Registry the images come from; pulled with the apps\' managed identity (AcrPull granted outside).')
param registryServer string

@description('Public base URL of the site, used in e-mail links (PUBLIC_URL).')
param publicUrl string

@description('Exact browser origins allowed by CORS (ALLOWED_ORIGINS), comma-separated; never "*".')
param allowedOrigins string

@description('reCAPTCHA v3 site key (public).')
param recaptchaSiteKey string

@description('Cosmos DB throughput shared by the database, RU/s.')
@minValue(400)
param cosmosThroughput int = 400

// bench/autoscale.py (a simulated day, 20,000 uploads with bursts): 5 is the knee. With LLM analysis, p95
// upload→analysed is 86 s at 5 against 118 s at 20 and 177 s at 50, for 13-20 % more replica-minutes; 2 and 1
// gain under 10 % more for 18-29 % more cost. With the offline analyzer the target hardly matters.
@description('KEDA redis scaler target: waiting messages per replica (listLength).')
param queueListLength int = 5

@description('Most replicas of each worker app.')
param workerMaxReplicas int = 4

// Blue-green releases (scripts/release.py, ops/README.md "Releases"): the web and worker apps keep several
// revisions active; a release is a revision suffix. Traffic is moved by the release script, by revision label
// (`blue` serves, `green` is the candidate, smoke-checked at its label's own address). This template sets the
// first revision's traffic only: after that, deploy with scripts/release.py, because a template deployment
// resets the traffic to the revision it names.
@description('Names this deployment\'s revisions (APP--SUFFIX), e.g. the git sha; empty: Azure picks one.')
param revisionSuffix string = ''

var webTraffic = empty(revisionSuffix) ? [{ latestRevision: true, weight: 100 }] : [{ revisionName: 'ca-${name}-web--${revisionSuffix}', weight: 100, label: 'blue' }]

var suffix = uniqueString(resourceGroup().id, name)
// One worker app per stage of common/stages.py (tests/unit/test_infra.py checks this list against it).
var queues = [
  // extract also consumes `maintenance` (the watchdog's sweeps from beat), so it keeps one replica.
  { name: 'extract', consumes: 'extract,maintenance', minReplicas: 1 }
  // OCR (scans and photos) is rare and slow anyway (2-3 CPU s a page): it scales from zero on its own queue.
  { name: 'ocr', consumes: 'ocr', minReplicas: 0 }
  // One warm analyze replica: scaling from zero costs the first upload after a quiet spell up to 50 s
  // (30 s polling + 20 s start). bench/autoscale.py at listLength 5: offline, p95 upload→analysed 23 s → 0.6 s
  // and fewer replica-minutes (no cold-start overshoot to 4); with an LLM, 3 % more replica-minutes.
  { name: 'analyze', consumes: 'analyze', minReplicas: 1 }
  // Exports are rare and asked for by someone already waiting on a ZIP: a cold start is acceptable there.
  { name: 'export', consumes: 'export', minReplicas: 0 }
]
// Secrets the apps read, by Key Vault secret name → environment variable.
var appSecrets = [
  { secret: 'jwt-secret-key', env: 'JWT_SECRET_KEY' }
  { secret: 'recaptcha-secret-key', env: 'RECAPTCHA_SECRET_KEY' }
  { secret: 'openai-api-key', env: 'OPENAI_API_KEY' }
  { secret: 'redis-url', env: 'REDIS_URL' }
  { secret: 'sendgrid-api-key', env: 'SENDGRID_API_KEY' }
  { secret: 'sentry-dsn', env: 'SENTRY_DSN' }
]
var roles = {
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  cosmosBuiltInDataContributor: '00000000-0000-0000-0000-000000000002'
}

// --- observability -----------------------------------------------------------------------------------------

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${name}-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${name}-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableIpMasking: false
  }
}

// Availability from outside, every 5 minutes from three regions: feeds the availability SLO (ops/alerts.yml).
resource healthTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: 'webtest-${name}-healthz'
  location: location
  kind: 'standard'
  tags: { 'hidden-link:${appInsights.id}': 'Resource' }
  properties: {
    SyntheticMonitorId: 'webtest-${name}-healthz'
    Name: '${name} /healthz'
    Kind: 'standard'
    Enabled: true
    Frequency: 300
    Timeout: 30
    RetryEnabled: true
    Locations: [
      { Id: 'emea-nl-ams-azr' }
      { Id: 'emea-gb-db3-azr' }
      { Id: 'us-va-ash-azr' }
    ]
    Request: {
      RequestUrl: '${publicUrl}/healthz'
      HttpVerb: 'GET'
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 14
    }
  }
}

// --- identities ---------------------------------------------------------------------------------------------

resource webIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${name}-web'
  location: location
}

resource workerIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${name}-worker'
  location: location
}

// Role assignments loop over these kinds; a name must be known at the start of the deployment, which a new
// identity's principalId is not: names use the kind.
var identityKinds = ['web', 'worker']

// --- Key Vault ----------------------------------------------------------------------------------------------

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-${name}-${take(suffix, 8)}'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for kind in identityKinds: {
  name: guid(vault.id, kind, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: kind == 'web' ? webIdentity.properties.principalId : workerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}]

// --- Redis (broker, rate limits, token blocklist, drain flags) ----------------------------------------------

resource redis 'Microsoft.Cache/redis@2024-03-01' = {
  name: 'redis-${name}-${suffix}'
  location: location
  properties: {
    sku: { name: 'Standard', family: 'C', capacity: 1 }
    enableNonSslPort: false
    minimumTlsVersion: '1.2'
    redisConfiguration: {
      // A full Redis must refuse new jobs rather than drop queued ones.
      'maxmemory-policy': 'noeviction'
    }
  }
}

// Derived from the cache's own keys at deployment; never typed into a file.
resource redisUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-url'
  properties: {
    value: 'rediss://:${redis.listKeys().primaryKey}@${redis.properties.hostName}:6380/0'
  }
}

resource redisPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'redis-password'
  properties: {
    value: redis.listKeys().primaryKey
  }
}

// --- Cosmos DB ----------------------------------------------------------------------------------------------

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-05-15' = {
  name: 'cosmos-${name}-${suffix}'
  location: location
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    locations: [
      { locationName: location, failoverPriority: 0, isZoneRedundant: false }
      { locationName: secondaryLocation, failoverPriority: 1, isZoneRedundant: false }
    ]
    enableAutomaticFailover: true
    enableMultipleWriteLocations: false
    disableLocalAuth: true // managed identities only: no account keys in use
    minimalTlsVersion: 'Tls12'
    backupPolicy: {
      type: 'Periodic'
      periodicModeProperties: {
        backupIntervalInMinutes: 240
        backupRetentionIntervalInHours: 168
        backupStorageRedundancy: 'Geo'
      }
    }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-05-15' = {
  parent: cosmos
  name: 'kraftdintel'
  properties: {
    resource: { id: 'kraftdintel' }
    options: { throughput: cosmosThroughput }
  }
}

// The same containers scripts/init_cosmos.py creates (it is idempotent and may still be run after this):
// partitioned on the owner's e-mail, large fields kept out of the index, TTL on for jobs and steps.
var containers = [
  {
    name: 'users'
    includedPaths: [{ path: '/owner_email/?' }]
    excludedPaths: [{ path: '/*' }, { path: '/"_etag"/?' }]
    ttl: null
  }
  {
    name: 'documents'
    includedPaths: [{ path: '/*' }]
    excludedPaths: [{ path: '/analysis/*' }, { path: '/text/*' }, { path: '/blob_name/?' }, { path: '/text_blob/?' }, { path: '/"_etag"/?' }]
    ttl: null
  }
  {
    name: 'workflows'
    includedPaths: [{ path: '/*' }]
    excludedPaths: [{ path: '/steps/*' }, { path: '/error/*' }, { path: '/result_blob/?' }, { path: '/"_etag"/?' }]
    ttl: -1
  }
  {
    name: 'workflow_steps'
    includedPaths: [{ path: '/*' }]
    excludedPaths: [{ path: '/error/*' }, { path: '/output/*' }, { path: '/text/*' }, { path: '/"_etag"/?' }]
    ttl: -1
  }
]

resource cosmosContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-05-15' = [for c in containers: {
  parent: database
  name: c.name
  properties: {
    resource: union({
      id: c.name
      partitionKey: { paths: ['/owner_email'], kind: 'Hash', version: 2 }
      indexingPolicy: {
        indexingMode: 'consistent'
        automatic: true
        includedPaths: c.includedPaths
        excludedPaths: c.excludedPaths
      }
    }, c.ttl == null ? {} : { defaultTtl: c.ttl })
  }
}]

resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-05-15' = [for kind in identityKinds: {
  parent: cosmos
  name: guid(cosmos.id, kind, roles.cosmosBuiltInDataContributor)
  properties: {
    principalId: kind == 'web' ? webIdentity.properties.principalId : workerIdentity.properties.principalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${roles.cosmosBuiltInDataContributor}'
    scope: cosmos.id
  }
}]

// --- Blob Storage -------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: take('st${name}${suffix}', 24)
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_GRS' }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // managed identities only
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    deleteRetentionPolicy: { enabled: true, days: 7 }
    containerDeleteRetentionPolicy: { enabled: true, days: 7 }
  }
}

resource documentsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'documents'
  properties: { publicAccess: 'None' }
}

resource blobDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for kind in identityKinds: {
  name: guid(storage.id, kind, roles.storageBlobDataContributor)
  scope: storage
  properties: {
    principalId: kind == 'web' ? webIdentity.properties.principalId : workerIdentity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}]

// --- Container Apps -----------------------------------------------------------------------------------------

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: 'cae-${name}-${suffix}'
  location: location
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
  }
}

// Settings every process shares (names are common.config.Settings fields, except AZURE_CLIENT_ID, which
// tells DefaultAzureCredential which user-assigned identity to use).
var sharedEnv = [
  { name: 'ENVIRONMENT', value: 'production' }
  { name: 'LOG_LEVEL', value: 'INFO' }
  { name: 'PUBLIC_URL', value: publicUrl }
  { name: 'ALLOWED_ORIGINS', value: allowedOrigins }
  { name: 'TRUSTED_PROXIES', value: '1' } // the Container Apps ingress: its X-Forwarded-For is the client's
  { name: 'RECAPTCHA_SITE_KEY', value: recaptchaSiteKey }
  { name: 'COSMOS_ENDPOINT', value: cosmos.properties.documentEndpoint }
  { name: 'COSMOS_DATABASE', value: database.name }
  { name: 'AZURE_STORAGE_ACCOUNT_URL', value: storage.properties.primaryEndpoints.blob }
  { name: 'AZURE_STORAGE_CONTAINER', value: documentsContainer.name }
  { name: 'OPENAI_MODEL', value: 'gpt-4o-mini' }
  { name: 'MAIL_FROM', value: 'noreply@kraftd.io' }
]
var secretEnv = [for s in appSecrets: { name: s.env, secretRef: s.secret }]

// Every app's secrets are Key Vault references read with the app's own identity; none holds a value.
var webSecrets = [for s in appSecrets: {
  name: s.secret
  keyVaultUrl: '${vault.properties.vaultUri}secrets/${s.secret}'
  identity: webIdentity.id
}]
var workerAppSecrets = [for s in appSecrets: {
  name: s.secret
  keyVaultUrl: '${vault.properties.vaultUri}secrets/${s.secret}'
  identity: workerIdentity.id
}]
// The KEDA scaler authenticates to Redis with the password alone.
var workerSecrets = concat(workerAppSecrets, [
  {
    name: 'redis-password'
    keyVaultUrl: '${vault.properties.vaultUri}secrets/redis-password'
    identity: workerIdentity.id
  }
])

resource web 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-${name}-web'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${webIdentity.id}': {} }
  }
  dependsOn: [vaultSecretsUser, redisUrlSecret]
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      // Blue and green side by side; all traffic on the revision labelled blue until the release switches.
      activeRevisionsMode: 'Multiple'
      ingress: {
        external: true
        targetPort: 8000
        transport: 'http'
        allowInsecure: false
        traffic: webTraffic
      }
      registries: [{ server: registryServer, identity: webIdentity.id }]
      secrets: webSecrets
    }
    template: {
      revisionSuffix: empty(revisionSuffix) ? null : revisionSuffix
      containers: [
        {
          name: 'web'
          image: webImage
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: concat(sharedEnv, secretEnv, [
            { name: 'AZURE_CLIENT_ID', value: webIdentity.properties.clientId }
            { name: 'WEB_BIND', value: '0.0.0.0:8000' }
            { name: 'PROMETHEUS_MULTIPROC_DIR', value: '/tmp/prometheus' }
          ])
          probes: [
            { type: 'Liveness', httpGet: { path: '/healthz', port: 8000 }, periodSeconds: 10, failureThreshold: 3 }
            { type: 'Readiness', httpGet: { path: '/readyz', port: 8000 }, periodSeconds: 10, failureThreshold: 3 }
            { type: 'Startup', httpGet: { path: '/healthz', port: 8000 }, periodSeconds: 2, failureThreshold: 30 }
          ]
        }
      ]
      scale: {
        minReplicas: 1
        maxReplicas: 6
        rules: [
          { name: 'http', http: { metadata: { concurrentRequests: '40' } } }
        ]
      }
    }
  }
}

// One app per queue, each scaled by KEDA on its own Redis list: listName is the queue's name.
resource workers 'Microsoft.App/containerApps@2024-03-01' = [for q in queues: {
  name: 'ca-${name}-${q.name}'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${workerIdentity.id}': {} }
  }
  dependsOn: [vaultSecretsUser, redisUrlSecret, redisPasswordSecret]
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      // Both releases' workers consume during a switch; the outgoing revision is drained, then deactivated.
      activeRevisionsMode: 'Multiple'
      registries: [{ server: registryServer, identity: workerIdentity.id }]
      secrets: workerSecrets
    }
    template: {
      revisionSuffix: empty(revisionSuffix) ? null : revisionSuffix
      // Container Apps waits 30 s between SIGTERM and SIGKILL; celeryconfig's soft shutdown (20 s) fits.
      terminationGracePeriodSeconds: 30
      containers: [
        {
          name: q.name
          image: workerImage
          command: ['sh', '-c', 'exec .venv/bin/celery --app worker.tasks worker --queues ${q.consumes} --hostname "${q.name}@%h" --concurrency "$WORKER_CONCURRENCY" --loglevel "$LOG_LEVEL"']
          resources: { cpu: json('1.0'), memory: '2Gi' }
          env: concat(sharedEnv, secretEnv, [
            { name: 'AZURE_CLIENT_ID', value: workerIdentity.properties.clientId }
            { name: 'WORKER_CONCURRENCY', value: '2' }
          ])
        }
      ]
      scale: {
        minReplicas: q.minReplicas
        maxReplicas: workerMaxReplicas
        // KEDA polls every 30 s and waits 300 s of an empty list before scaling to zero (Container Apps' defaults).
        rules: [
          {
            name: 'queue-${q.name}'
            custom: {
              type: 'redis'
              metadata: {
                address: '${redis.properties.hostName}:6380'
                enableTLS: 'true'
                databaseIndex: '0'
                listName: q.name
                listLength: string(queueListLength)
                activationListLength: '0'
              }
              auth: [{ secretRef: 'redis-password', triggerParameter: 'password' }]
            }
          }
        ]
      }
    }
  }
}]

// Exactly one beat: two would send every watchdog sweep twice.
resource beat 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'ca-${name}-beat'
  location: location
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${workerIdentity.id}': {} }
  }
  dependsOn: [vaultSecretsUser, redisUrlSecret]
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      registries: [{ server: registryServer, identity: workerIdentity.id }]
      secrets: workerSecrets
    }
    template: {
      containers: [
        {
          name: 'beat'
          image: workerImage
          command: ['sh', '-c', 'exec .venv/bin/celery --app worker.tasks beat --loglevel "$LOG_LEVEL"']
          resources: { cpu: json('0.25'), memory: '0.5Gi' }
          env: concat(sharedEnv, secretEnv, [
            { name: 'AZURE_CLIENT_ID', value: workerIdentity.properties.clientId }
          ])
        }
      ]
      scale: { minReplicas: 1, maxReplicas: 1 }
    }
  }
}

output webUrl string = 'https://${web.properties.configuration.ingress.fqdn}'
output cosmosEndpoint string = cosmos.properties.documentEndpoint
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output keyVaultName string = vault.name
output appInsightsName string = appInsights.name
