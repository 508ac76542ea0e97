"""The app's dialogs, one module each: login, settings, the user dialogs (new user, change role), the typed
confirmation to clear a folder, "keep a folder up to date"; ``buttons`` makes a dialog's primary button the one
Enter presses. Panels and the window open them; a dialog knows only what it is given."""
