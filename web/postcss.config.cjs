// Mantine's mixins and rem() in our few CSS modules.
module.exports = { plugins: { 'postcss-preset-mantine': {} } };
