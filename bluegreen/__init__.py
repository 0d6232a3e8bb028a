"""Blue-green releases: one procedure (`procedure`), the watch that judges a release (`watch`), and the
providers it runs over: this machine's processes behind nginx (`local`, `nginx`, rehearsed by `rehearsal`
with `load`) and Azure Container Apps revisions (`azure`). `scripts/release.py` is the command."""
