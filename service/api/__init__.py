"""The HTTP API: `create_app` in main.py wires settings, middleware and the routers."""
