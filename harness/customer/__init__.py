"""The simulated customer: its policy (policy), how it words things (wording), the facts it
holds (facts), and generated personas (generate). Sans-IO: no clock, socket or thread."""
