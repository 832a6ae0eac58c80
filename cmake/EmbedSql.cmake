# Embeds numbered migrations (NNN_*.sql) into generated headers so the binary carries its own:
# sql/*.sql (the SQLite database) as kMigrations, sql/postgres/*.sql (the shared store) as kPgMigrations.
function(oznsync_embed_sql glob array output)
  file(GLOB files CONFIGURE_DEPENDS ${glob})
  list(SORT files)
  # Editing a migration re-runs this step (the glob alone only notices files added or removed).
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${files})
  set(out "// Generated from ${glob} by cmake/EmbedSql.cmake; do not edit.\n")
  string(APPEND out "#include \"store/embedded_migration.hpp\"\n")
  string(APPEND out "static const EmbeddedMigration ${array}[] = {\n")
  foreach(f ${files})
    get_filename_component(name ${f} NAME)
    file(READ ${f} content)
    string(APPEND out "  {\"${name}\", R\"OZNSQL(${content})OZNSQL\"},\n")
  endforeach()
  string(APPEND out "};\n")
  file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/generated/${output} CONTENT "${out}" @ONLY)
endfunction()

oznsync_embed_sql(${CMAKE_SOURCE_DIR}/sql/*.sql kMigrations migrations.inc)
oznsync_embed_sql(${CMAKE_SOURCE_DIR}/sql/postgres/*.sql kPgMigrations pg_migrations.inc)
