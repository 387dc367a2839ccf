"""The floor that keeps the casebook safe: opening it, the two engines, migrations,
backups, the audit log and its hash chain, undo, integrity checks and the copy between
engines. It stands on `core` only.

- `opening`: open a casebook (SQLite file or PostgreSQL URL), migrate it, bind the models;
- `engines`: clerkdesk's Peewee database classes (BEGIN IMMEDIATE, sealing on commit);
- `backend`: everything that differs between SQLite and PostgreSQL below Peewee;
- `files`: paths, file checks, synced folders and network shares;
- `make_tables`, `migrations`: the schema made and moved forward;
- `audit` (the log), `chain` (digests and the hash chain), `undo`, `versions`
  (optimistic concurrency: who changed a record after you opened it);
- `backup`, `integrity` (`clerkdesk check`), `engine_copy` (`clerkdesk copy`).
"""
