import { FileRefused } from "../read/file-refused";

/** What a scanner reports; names are as written, with their namespace prefix. */
export type XmlHandler = {
  open(name: string, attrs: string, selfClosing: boolean): void;
  close(name: string): void;
  /** Character data between tags, entities still encoded (see decodeXml). */
  text(raw: string): void;
};

/** A tag or text longer than this is not a spreadsheet's: refuse it rather than hold it. */
const maxPendingChars = 16 * 1024 * 1024;

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Text with its XML entities and character references decoded. */
export function decodeXml(raw: string): string {
  if (raw.indexOf("&") === -1) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return entities[ref] ?? whole;
  });
}

const isSpace = (code: number) => code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

/** The value of attribute `name` in a tag's attribute text, decoded; null when it is absent. */
export function attrOf(attrs: string, name: string): string | null {
  const key = `${name}=`;
  for (let at = attrs.indexOf(key); at !== -1; at = attrs.indexOf(key, at + 1)) {
    if (at > 0 && !isSpace(attrs.charCodeAt(at - 1))) continue;
    const quote = attrs[at + key.length];
    if (quote !== '"' && quote !== "'") continue;
    const start = at + key.length + 1;
    const end = attrs.indexOf(quote, start);
    if (end === -1) return null;
    return decodeXml(attrs.slice(start, end));
  }
  return null;
}

/** The end of the tag opened at `lt`: its `>`, skipping any inside quoted attribute values. */
function tagEnd(s: string, lt: number): number {
  let gt = s.indexOf(">", lt);
  while (gt !== -1) {
    let quotes = 0;
    let quote = "";
    for (let i = lt; i < gt; i++) {
      const ch = s[i];
      if (quote === "") {
        if (ch === '"' || ch === "'") {
          quote = ch;
          quotes++;
        }
      } else if (ch === quote) {
        quote = "";
        quotes++;
      }
    }
    if (quotes % 2 === 0) return gt;
    gt = s.indexOf(">", gt + 1);
  }
  return -1;
}

const escapeCdata = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/**
 * A small streaming XML tokenizer for the parts of a workbook: fed text as it is inflated, it
 * reports tags and text in order and keeps only an unfinished tag. It checks no more of XML than
 * reading a spreadsheet needs; a document it cannot follow is refused as not a workbook.
 */
export class XmlScanner {
  private pending = "";

  constructor(private readonly handler: XmlHandler) {}

  push(text: string, final = false): void {
    const s = this.pending.length === 0 ? text : this.pending + text;
    const h = this.handler;
    let i = 0;
    const n = s.length;
    while (i < n) {
      const lt = s.indexOf("<", i);
      if (lt === -1) {
        // Text may be cut inside an entity: keep it until the next tag arrives.
        break;
      }
      if (lt > i) h.text(s.slice(i, lt));
      i = lt;
      const next = s.charCodeAt(lt + 1);
      if (Number.isNaN(next)) break;
      if (next === 0x21 /* ! */) {
        if (s.startsWith("<![CDATA[", lt)) {
          const end = s.indexOf("]]>", lt + 9);
          if (end === -1) break;
          h.text(escapeCdata(s.slice(lt + 9, end)));
          i = end + 3;
          continue;
        }
        if (s.startsWith("<!--", lt)) {
          const end = s.indexOf("-->", lt + 4);
          if (end === -1) break;
          i = end + 3;
          continue;
        }
        const end = s.indexOf(">", lt);
        if (end === -1) break;
        i = end + 1;
        continue;
      }
      if (next === 0x3f /* ? */) {
        const end = s.indexOf("?>", lt);
        if (end === -1) break;
        i = end + 2;
        continue;
      }
      const gt = tagEnd(s, lt);
      if (gt === -1) break;
      if (next === 0x2f /* / */) {
        h.close(s.slice(lt + 2, gt).trim());
      } else {
        const selfClosing = s.charCodeAt(gt - 1) === 0x2f;
        const inner = selfClosing ? s.slice(lt + 1, gt - 1) : s.slice(lt + 1, gt);
        let nameEnd = 0;
        while (nameEnd < inner.length && !isSpace(inner.charCodeAt(nameEnd))) nameEnd++;
        const name = inner.slice(0, nameEnd);
        const attrs = inner.slice(nameEnd);
        h.open(name, attrs, selfClosing);
        if (selfClosing) h.close(name);
      }
      i = gt + 1;
    }
    this.pending = i < n ? s.slice(i) : "";
    if (this.pending.length > maxPendingChars) {
      throw new FileRefused(
        "not_csv",
        "This workbook could not be read: part of it is not well-formed XML. Open it in your spreadsheet, save it again and upload the new file.",
      );
    }
    if (final && this.pending.trim().length > 0) {
      throw new FileRefused(
        "not_csv",
        "This workbook could not be read: a part of it ends in the middle of its XML. Save it again and upload the new file.",
      );
    }
  }
}
