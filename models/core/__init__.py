"""The ground floor of the domain: what every other floor stands on.

The database proxy and its errors (`db`), the tables (`schema`), the vocabularies of
casework (`vocab`) and roles (`roles`), UK dates and working days (`dates`,
`bank_holidays`), form fields and their validation (`forms`), and who the clerk is
(`user`). Nothing here imports another floor of `clerkdesk.models`.
"""
