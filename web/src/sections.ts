/**
 * The console's sections. Each file in ./sections/ exports `section`: its place in the
 * navigation, its pages (path patterns) and the API route it reads, and is picked up here
 * by Vite's import.meta.glob. Adding a screen (policies, reviews, applications,
 * statistics) is one new file; see docs/console.md.
 */
import type { ComponentType } from 'preact';

export interface PageProps {
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface Section {
  id: string;
  title: string;
  /** Position in the navigation (lower first); absent: not in the navigation. */
  navOrder?: number;
  /** Where the navigation link goes. */
  path: string;
  /** The route it reads ("GET /api/v1/hosts"): without it the section is hidden. */
  reads: string;
  pages: { pattern: string; component: ComponentType<PageProps> }[];
}

const modules = import.meta.glob<{ section: Section }>('./sections/*.tsx', { eager: true });

export const SECTIONS: Section[] = Object.values(modules)
  .map((m) => m.section)
  .sort((a, b) => (a.navOrder ?? 999) - (b.navOrder ?? 999));
