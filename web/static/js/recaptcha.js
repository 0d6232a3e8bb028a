// reCAPTCHA v3, loaded only when the server has a site key configured.

let loading = null;

function load(siteKey) {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = `https://www.google.com/recaptcha/api.js?render=${encodeURIComponent(siteKey)}`;
      script.async = true;
      script.addEventListener('load', () => window.grecaptcha.ready(() => resolve(window.grecaptcha)));
      script.addEventListener('error', () => {
        loading = null;
        script.remove();
        reject(new Error('The reCAPTCHA check could not load. Check your connection and reload the page.'));
      });
      document.head.append(script);
    });
  }
  return loading;
}

/** Start loading early (the register form opens), so the token is quick to get on submit. */
export function preload(siteKey) {
  if (siteKey) load(siteKey).catch(() => {});
}

/** A fresh token for `action`; null when reCAPTCHA is off. */
export async function token(siteKey, action) {
  if (!siteKey) return null;
  const grecaptcha = await load(siteKey);
  return grecaptcha.execute(siteKey, { action });
}
