// jest transform: a .wgsl file becomes an ES module whose default export is its source text.
module.exports = {
    process(source) {
        return { code: `export default ${JSON.stringify(source)};` };
    },
};
