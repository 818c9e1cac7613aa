"""The web app: shared parts (security, the page's language, the learner's session, sign-up
forms, charts), then one package per blueprint, each with its `bp` in `routes.py`."""
