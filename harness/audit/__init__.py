"""Real conversations: `harness import` (exports to pseudonymised transcripts) and
`harness audit` (the check catalogue over every transcript, on all cores).

    mapping      the mapping file: which field of a row is what
    readers      CSV and JSONL rows, streamed, bad rows as file:line
    platforms    exports read without a mapping: Rasa trackers, Botium convos
    pseudonym    personal data found and replaced by consistent, salted fakes
    reading      what an imported message asks, claims and states
    build        rows gathered into conversations, conversations into transcripts
    importer     the import, end to end
"""
