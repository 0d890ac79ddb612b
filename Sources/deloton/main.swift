print("deloton")
