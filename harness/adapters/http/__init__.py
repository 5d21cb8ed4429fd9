"""HTTP bots: the native protocol at an http(s):// URL (client), and any JSON over HTTP
described by an endpoint file of kind http (config: the file's model; mapped: its adapter)."""
