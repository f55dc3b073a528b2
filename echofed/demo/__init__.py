"""Demo region data (Grand Est) used to seed an empty instance."""
