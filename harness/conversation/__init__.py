"""One conversation, sans-IO: the customer, the bot's replies read through the lexicon
(lexicon), and the human desk that takes handoffs (desk), played as a generator of effects
(play) that a driver carries out."""
