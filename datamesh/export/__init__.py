"""`datamesh export`: read an existing SMUS (DataZone V2) domain and write the mesh YAML describing it."""
