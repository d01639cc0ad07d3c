"""The window's printing pieces: label/card dialogs, the Afdrukken menu, the contract dialog."""
