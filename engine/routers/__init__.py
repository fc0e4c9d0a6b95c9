"""The API's routers by resource, mounted under their prefixes by engine/api.py."""
