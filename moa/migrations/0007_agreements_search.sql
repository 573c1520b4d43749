-- Agreements in the search index (agreements/, search/index.py): every agreement ICE's lists hold is a unit of
-- level 'agreement' (its names and listing fields), whether or not we hold its PDF, and every unit carries the
-- agreement it belongs to: the canonical agency name in `agency`, what extraction read in `agency_read`.

ALTER TABLE search_docs ADD COLUMN agency_read TEXT;     -- the agency as the document's text names it
ALTER TABLE search_docs ADD COLUMN agreement_id TEXT;    -- agreements.models.Agreement.id
ALTER TABLE search_docs ADD COLUMN agency_id TEXT;       -- agreements.models.Agency.id
ALTER TABLE search_docs ADD COLUMN sources TEXT NOT NULL DEFAULT '{}';  -- JSON {facet: "ice" | "document"}
ALTER TABLE search_docs ADD COLUMN moa_sha256 TEXT;      -- an agreement unit: the MOA we hold (else null)

CREATE VIRTUAL TABLE search_stem_agreement  USING fts5(body, content='search_units', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE search_exact_agreement USING fts5(body, content='search_units', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
