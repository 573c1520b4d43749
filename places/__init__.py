"""Places and people: where an agency stands (county or state FIPS) and how many people live there (the Census
Bureau's county estimates), and the county geometry the maps are drawn on. Reference data, not a stage: it imports
only `moa`, so every stage above may use it."""
