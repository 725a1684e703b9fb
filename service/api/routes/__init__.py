"""One router per resource; service/api/router.py collects them."""
