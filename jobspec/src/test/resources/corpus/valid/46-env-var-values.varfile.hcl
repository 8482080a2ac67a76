from_file = 3
