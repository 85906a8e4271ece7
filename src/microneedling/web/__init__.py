"""The web app: the JSON API under /api/v1 (and the clinic's pages), over the services."""
