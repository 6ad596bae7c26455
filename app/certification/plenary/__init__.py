"""The plenary decision, the decree (SK) and its PDF, results, statistics and exports."""
