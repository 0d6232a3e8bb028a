"""Code shared by the web API and the workers."""
