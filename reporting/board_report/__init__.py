"""The report to the Children's Trust Board, as data: the figures for one quarter or year, in the
shape of the Third Sector Development Report (overall aim, summary, key figures, progress per
outcome, recommendations for the officer to write).

`report.build_board_report` composes one builder per section: `issues` (raised, answered, by theme
and state), `timeliness` (each board's turn), `health` (the network's own measures), `bulletins`,
`waiting` (returns and waiting lists), `key_figures`, and `prose` (the summary's sentences). `tables`
holds the table shapes they share. Everything is an aggregate over the whole network (the report is
the officer's), and no table names a safeguarding-sensitive item or who raised it. Rendering (HTML,
PDF, CSV) is `bot.report`'s.
"""
