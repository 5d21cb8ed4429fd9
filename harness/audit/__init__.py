"""Real conversations: `harness import` (exports to pseudonymised transcripts) and
`harness audit` (the check catalogue over every transcript, on all cores or on Dask).

    mapping       the mapping file: which field of a row is what
    readers       CSV and JSONL rows, streamed; bad rows as file:line
    platforms     exports read without a mapping: Rasa trackers, Botium convos
    pseudonym     personal data found and replaced by consistent, salted fakes
    reading       what an imported message asks, claims and states
    build         rows gathered into conversations, conversations into transcripts
    importer      the import, end to end
    scenario_map  which conversations are which scenario; defaults for the rest
    checking      the checks that apply to one transcript; what waits for other contacts
    auditing      the audit, end to end: workers, linked contacts, results.json
    cluster       the same audit on a Dask cluster (extra `csbot-harness[dask]`)
    commands      `harness import` and `harness audit` on the command line

It sits beside `run/`: it imports the model, the checks, the lexicon, the run's results
contract and KPIs, and the loader; nothing below imports it.
"""
