// PDF helpers for the signing tests. Not a test file.

// The first revision of a PDF: the bytes up to and including the first %%EOF and its
// end of line. A receipt or result as motcua serves it is signed by incremental updates
// (docs/signatures.md); its first revision is the file as rendered, before any signature.
export function firstRevision(buf) {
  const eof = buf.indexOf('%%EOF');
  if (eof < 0) throw new Error('no %%EOF in the PDF');
  let end = eof + 5;
  if (buf[end] === 0x0d) end++;
  if (buf[end] === 0x0a) end++;
  return buf.subarray(0, end);
}
