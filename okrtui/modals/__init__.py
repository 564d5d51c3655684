"""Modal screens: they ask, validate what is typed, and return a typed value; they never
write (the screen that opened one writes in a worker and reloads)."""
