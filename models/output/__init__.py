"""The top floor of the domain: what leaves the casebook. CSV exchange (`csv_exchange`),
the committee report (`report`) and the calendar of due dates (`ical`).
"""
