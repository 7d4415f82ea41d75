/** `npm run bench -- <name> [args]`: runs bench/<name>.ts. */
const name = process.argv[2] ?? "ingest";
if (!/^[a-z-]+$/.test(name)) throw new Error(`no benchmark ${name}`);
await import(`./${name}.ts`);
