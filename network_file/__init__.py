"""The network file: the YAML document an officer edits to describe a network (`document`: read and
validate), applying it to the database (`loader`), describing what is loaded (`describe`), writing
the database back as a file (`export`) and the officer's changes from the dashboard, made the file's
way (`editing`).

Not to be confused with the top-level `network/` folder, which holds network files themselves.
"""
