"""agreements: the read model where ICE's listing, the documents and the agency meet; every stage above reads
documents and listings through it."""
