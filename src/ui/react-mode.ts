// React and Ink's reconciler choose their development or production build when they are first
// loaded, from NODE_ENV. The development build checks every render (about a third of a keypress's
// time on a long list) for warnings a user of the terminal UI cannot act on, so the UI runs the
// production build unless NODE_ENV says otherwise. Imported first by src/main.tsx, before Ink.
process.env.NODE_ENV ??= 'production';
export {};
