"""Drivers own time and I/O: they carry out what a conversation asks for (drivers.step).

virtual     one conversation after another, on a simpy clock; nothing really waits
concurrent  many conversations at once against a network bot, each on a virtual clock
"""
