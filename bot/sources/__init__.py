"""Paper sources over httpx. Each module keeps fetching apart from pure parsing."""
