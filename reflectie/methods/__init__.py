"""The library of werkvormen: built-in intervisie and moreel-beraad methods and adapted copies."""
