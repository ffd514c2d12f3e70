"""The network file: the YAML document an officer edits to describe a network (`document`: read and
validate), applying it to the database (`loader`) and describing what is loaded (`describe`).

Not to be confused with the top-level `network/` folder, which holds network files themselves.
"""
