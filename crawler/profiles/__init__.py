"""Site profiles: what a site looks like, as validated configuration rather than Python."""

from crawler.profiles.loader import ProfileError, load_profile, load_profiles, profile_dir
from crawler.profiles.model import FieldSpec, PageRule, SiteProfile
from crawler.profiles.parse import ParsedPage, parse_page

__all__ = [
    "FieldSpec", "PageRule", "ParsedPage", "ProfileError", "SiteProfile",
    "load_profile", "load_profiles", "parse_page", "profile_dir",
]
