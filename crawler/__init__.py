"""The crawler: generic Scrapy spiders per site family, driven by site profiles in ``config/sites``."""
