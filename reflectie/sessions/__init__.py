"""Intervisie and moreel-beraad meetings (bijeenkomsten): planning, agenda and calendar export."""
