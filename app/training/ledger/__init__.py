"""The JP ledger: each person's training history and JP totals, external training, the officers' export."""
