"""Teaching: the library of published cases, collections, classes and student answers."""
