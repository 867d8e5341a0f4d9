"""Reports built from the index: weekly NPS trend reports and their parts."""
