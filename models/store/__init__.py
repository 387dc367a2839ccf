"""The floor that keeps the casebook safe: opening it, the two engines, migrations,
backups, the audit log and its hash chain, undo, integrity checks and the copy between
engines. It stands on `core` only.

- `opening`: open a casebook (SQLite file or PostgreSQL URL), migrate it, bind the models;
- `shape`: what a casebook's tables are at each schema version, and what tells a casebook
  from another program's database (decided before anything is written);
- `engines`: clerkdesk's Peewee database classes (BEGIN IMMEDIATE, every write verified
  against the audit log first, sealing on commit);
- `backend`: everything that differs between SQLite and PostgreSQL below Peewee;
- `files`: paths, file checks, synced folders and network shares;
- `make_tables`, `migrations`: the schema made and moved forward;
- `audit` (the log), `chain` (digests and the hash chain), `undo`, `versions`
  (optimistic concurrency: who changed a record after you opened it);
- `backup` (on write, in tiers; restore; pg_dump), `integrity` (`clerkdesk check`),
  `anchor` (the chain's head kept outside the file: `clerkdesk anchor`, `check --since`),
  `engine_copy` (`clerkdesk copy`).
"""
