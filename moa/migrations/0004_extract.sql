-- Extract: one record per extracted PDF (the DESIGN.md record as JSON), its pages, and the errors met.
CREATE TABLE extract_documents (
    sha256       TEXT PRIMARY KEY REFERENCES blobs(sha256),
    file         TEXT NOT NULL,             -- name it was extracted under
    extractor    TEXT NOT NULL,             -- extractor version: a newer one extracts again
    ocr_mode     TEXT NOT NULL,             -- skip | auto | force
    page_count   INTEGER NOT NULL,
    record       TEXT NOT NULL,             -- the record as JSON, without page text
    ocr_pages    INTEGER NOT NULL DEFAULT 0, -- pages whose text is OCR
    ocr_run      INTEGER NOT NULL DEFAULT 0, -- of those, pages Tesseract ran on in that run (not cache hits)
    seconds      REAL,
    extracted_at TEXT NOT NULL
);

CREATE TABLE extract_pages (
    sha256     TEXT NOT NULL REFERENCES extract_documents(sha256) ON DELETE CASCADE,
    number     INTEGER NOT NULL,            -- 1-based
    method     TEXT NOT NULL CHECK (method IN ('text', 'ocr', 'none')),
    chars      INTEGER NOT NULL,
    quality    REAL NOT NULL,               -- 0..1
    reason     TEXT NOT NULL,               -- why this method (the per-page decision)
    mean_conf  REAL,                        -- OCR pages: Tesseract's mean word confidence, 0..100
    text       TEXT NOT NULL,
    words      TEXT,                        -- OCR pages: JSON [[word, conf, [left, top, width, height]], …]
    PRIMARY KEY (sha256, number)
);

CREATE TABLE extract_errors (
    sha256     TEXT NOT NULL,
    file       TEXT NOT NULL,
    extractor  TEXT NOT NULL,
    error      TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (sha256, extractor)
);
