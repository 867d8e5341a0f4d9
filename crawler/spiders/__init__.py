"""One generic spider per site family; each site is a profile in ``config/sites``."""
