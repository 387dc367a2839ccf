"""The council's work: the registers, the cases and their routes along the protocol, the
triage desk, meeting mode, retention, search and the lists' paging. Stands on `store`,
`rules` and `core`.

- `records`: what a register is and what every register's records go through (lists,
  filters, detail, saving with audit, archiving); `registers`: the six registers;
  `choices`: the pick-lists the forms offer;
- `council`: the council's settings and calendar (nation, closure days, due dates), its
  protocol profile, and what the protocol says by topic;
- `cases`: writing cases and their steps, the clock (an agreed date, waiting on the
  member), and the queries the desk counts;
  `case_forms`: the request and complaint forms; `case_lists`: the two case lists (columns,
  detail, facets);
- `protocol_facts`: from the registers to the rulebook (who holds a role, a case's facts);
  `case_route`: a case on its protocol route; `advice`: the advice register;
- `triage`, `privacy` (meeting mode), `retention`, `search`, `saved_views`, `paging`.
"""
