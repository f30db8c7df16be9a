"""Missing and absent episodes: recorded from the notification, and the return home interview after."""
