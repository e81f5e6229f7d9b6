"""After the deposit: status events, follow-ups and the public buyer's payment clock."""
