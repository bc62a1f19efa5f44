"""Demo data of each capability, seeded through its real services by ``manage.py seed_demo``."""
