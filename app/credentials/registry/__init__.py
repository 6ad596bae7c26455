"""The certificate register after issue: lists, a certificate's page, the board admin's lifecycle
actions and the daily expiry job."""
